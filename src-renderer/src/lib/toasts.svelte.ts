export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  /** Offer an Undo button (the newest action). */
  undo: boolean;
  /** Where what the toast is about now is: "Open" it (a person the face went to, say). */
  link: { href: string; text: string } | null;
  /** The page it was shown on (the address's hash): going to another page dismisses it. */
  page: string;
}

/** How long a toast stays: long enough to read it and reach its Undo, as Google Photos' snackbar. */
const SHOWN_MS = { plain: 5000, actionable: 8000 };

/**
 * One toast at a time, as Google Photos and Immich do: the newest says what just happened (older
 * ones are in "Recent"), it goes by itself, and going to another page dismisses it. It shows in
 * the corner, or in a dock a page or dialog keeps for it (Review's answer bar, a dialog's footer),
 * so that it never covers the page's main action nor hides under a dialog.
 */
class Toasts {
  items = $state<Toast[]>([]);
  /** The docks on screen, newest last: the newest shows the toast; none: the corner does. */
  docks = $state<number[]>([]);
  private next = 1;
  private timer: ReturnType<typeof setTimeout> | undefined;

  show(text: string, options: { kind?: Toast['kind']; undo?: boolean; link?: Toast['link'] } = {}): void {
    const toast: Toast = {
      id: this.next++,
      text,
      kind: options.kind ?? 'info',
      undo: options.undo ?? false,
      link: options.link ?? null,
      page: location.hash,
    };
    this.items = [toast];
    this.countDown(toast.kind === 'error' || toast.undo || toast.link ? SHOWN_MS.actionable : SHOWN_MS.plain);
  }

  /** The pointer or the keyboard is on the toast: it stays while the user reads it or reaches its Undo. */
  hold(): void {
    clearTimeout(this.timer);
  }

  /** Left again: it goes after a while. */
  release(): void {
    this.countDown(SHOWN_MS.plain);
  }

  private countDown(ms: number): void {
    clearTimeout(this.timer);
    const id = this.items[0]?.id;
    if (id !== undefined) this.timer = setTimeout(() => this.dismiss(id), ms);
  }

  error(err: unknown): void {
    this.show(err instanceof Error ? err.message : String(err), { kind: 'error' });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }

  clear(): void {
    this.items = [];
  }

  /** The user went to `page`: a toast about another page goes (one shown by the move itself stays). */
  navigated(page: string): void {
    if (this.items.some((t) => t.page !== page)) this.items = this.items.filter((t) => t.page === page);
  }

  /** A place for the toast inside the page or a dialog, while it is on screen; returns its removal. */
  dock(): { id: number; release: () => void } {
    const id = this.next++;
    this.docks = [...this.docks, id];
    return { id, release: () => (this.docks = this.docks.filter((d) => d !== id)) };
  }

  /** The dock that shows the toast now (null: the corner). */
  get dockShown(): number | null {
    return this.docks.at(-1) ?? null;
  }
}

export const toasts = new Toasts();
