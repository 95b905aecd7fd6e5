export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  /** Offer an Undo button (the newest action). */
  undo: boolean;
  /** Where what the toast is about now is: "Open" it (a person the face went to, say). */
  link: { href: string; text: string } | null;
}

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(text: string, options: { kind?: Toast['kind']; undo?: boolean; link?: Toast['link'] } = {}): void {
    const toast: Toast = { id: this.next++, text, kind: options.kind ?? 'info', undo: options.undo ?? false, link: options.link ?? null };
    // Two at most: the newest says what just happened; older ones are in "Recent".
    this.items = [...this.items.slice(-1), toast];
    setTimeout(() => this.dismiss(toast.id), toast.kind === 'error' || toast.link ? 8000 : 4500);
  }

  error(err: unknown): void {
    this.show(err instanceof Error ? err.message : String(err), { kind: 'error' });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
