// Hash routes, so that both the HTTP server and Electron's protocol serve one index.html.
export type Route =
  | { name: 'library' }
  | { name: 'people' }
  | { name: 'photos' }
  | { name: 'person'; personId: number }
  | { name: 'review' }
  | { name: 'recognition' }
  | { name: 'duplicates' }
  | { name: 'photo'; photoId: number };

export function parseRoute(hash: string): Route | null {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/library') return { name: 'library' };
  if (path === '/people') return { name: 'people' };
  if (path === '/photos') return { name: 'photos' };
  if (path === '/review') return { name: 'review' };
  if (path === '/recognition') return { name: 'recognition' };
  if (path === '/duplicates') return { name: 'duplicates' };
  let m = /^\/people\/(\d{1,15})$/.exec(path);
  if (m) return { name: 'person', personId: Number(m[1]) };
  m = /^\/photos\/(\d{1,15})$/.exec(path);
  if (m) return { name: 'photo', photoId: Number(m[1]) };
  return null;
}

export function href(route: Route): string {
  switch (route.name) {
    case 'person':
      return `#/people/${route.personId}`;
    case 'photo':
      return `#/photos/${route.photoId}`;
    default:
      return `#/${route.name}`;
  }
}

class Router {
  /** null until the start screen is chosen (no route in the address). */
  route = $state<Route | null>(parseRoute(location.hash));
  /** Pages visited in this window, so that "back" stays inside the app. */
  private depth = 0;

  constructor() {
    window.addEventListener('hashchange', () => {
      this.depth++;
      this.route = parseRoute(location.hash);
    });
  }

  go(route: Route, replace = false): void {
    const target = href(route);
    if (location.hash === target) {
      this.route = route;
    } else if (replace) {
      history.replaceState(history.state, '', target);
      this.route = route;
    } else {
      location.hash = target;
    }
  }

  /** Back where the user came from, or to a fallback when this was the first page. */
  back(fallback: Route): void {
    if (this.depth > 0) history.back();
    else this.go(fallback);
  }
}

export const router = new Router();
