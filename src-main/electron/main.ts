// The desktop shell, kept thin: one window over the same API as `facepair serve`, the library
// itself in a utility process. Everything behind it is tested through the HTTP adapter.
import { app, BrowserWindow, dialog, ipcMain, nativeTheme, protocol, session, shell, type IpcMainInvokeEvent } from 'electron';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse } from '../core/contract/api.js';
import { isInside } from '../core/library/inside.js';
import type { MediaKind } from '../core/media/media.service.js';
import { Backend } from './backend.js';
import { IPC_CALL, IPC_EVENT } from './backend-protocol.js';
import { RENDERER_CONTENT_TYPES } from '../core/media/content-types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = app.getAppPath();
const rendererDir = path.join(root, 'src-renderer', 'dist');
const SCHEME = 'facepair';

// The window and its images come from facepair://app/…, facepair://face/<id> and
// facepair://photo/<id>: never file:// and never a path.
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' facepair:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TYPES = RENDERER_CONTENT_TYPES;

let win: BrowserWindow | null = null;
let backend: Backend | null = null;

if (!app.requestSingleInstanceLock()) app.quit();
app.enableSandbox();

/** Only our own window, showing our own page, may call the API. */
function trusted(e: IpcMainInvokeEvent): boolean {
  if (!win || e.sender !== win.webContents || !e.senderFrame) return false;
  try {
    const url = new URL(e.senderFrame.url);
    return url.protocol === `${SCHEME}:` && url.host === 'app';
  } catch {
    return false;
  }
}

async function serveRenderer(pathname: string): Promise<Response> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return new Response('Bad path', { status: 400 });
  }
  const file = path.resolve(rendererDir, '.' + rel);
  if (rel.includes('\0') || !isInside(rendererDir, file)) return new Response('Forbidden', { status: 403 });
  try {
    const body = await readFile(file);
    const ext = path.extname(file).toLowerCase();
    return new Response(body, { headers: { 'Content-Type': TYPES[ext] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' } });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}

async function serveImage(kind: MediaKind, pathname: string): Promise<Response> {
  const m = /^\/(\d{1,15})$/.exec(pathname);
  if (!m || !backend) return new Response('Not found', { status: 404 });
  const r = await backend.image(kind, Number(m[1]));
  if (!r.ok) return new Response(r.message, { status: r.status });
  return new Response(Buffer.from(r.bytes), { headers: { 'Content-Type': r.mime, 'Cache-Control': 'private, max-age=300' } });
}

function lockDown(): void {
  // No permission (camera, notifications, …) is ever granted.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    // The app moves between screens with in-page (hash) navigation only.
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

async function pickFolder(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = { title: 'Add a photo folder to the library', properties: ['openDirectory'] };
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

function startBackend(): Backend {
  const env: Record<string, string> = { FACEPAIR_VERSION: app.getVersion() };
  // In development, better-sqlite3 built for Electron sits beside the one built for Node
  // (scripts/electron-native.mjs); a packaged app has it rebuilt in place.
  const binding = path.join(root, '.cache', 'electron', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!app.isPackaged && existsSync(binding)) env.FACEPAIR_SQLITE_BINDING = binding;
  // The duplicates the user chose go to the system trash through Electron's own trashItem.
  const b = new Backend(path.join(here, 'api-process.js'), env, pickFolder, (file) => shell.trashItem(file));
  b.onEvent((event) => win?.webContents.send(IPC_EVENT, event));
  return b;
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 560,
    minHeight: 420,
    show: false,
    title: 'FacePair',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#121417' : '#f6f7f9',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => {
    win = null;
  });
  void win.loadURL(`${SCHEME}://app/index.html`);
}

app.on('second-instance', () => {
  if (win?.isMinimized()) win.restore();
  win?.focus();
});

app.whenReady().then(() => {
  lockDown();
  backend = startBackend();
  protocol.handle(SCHEME, (request) => {
    const url = new URL(request.url);
    if (url.host === 'app') return serveRenderer(url.pathname);
    if (url.host === 'face' || url.host === 'photo' || url.host === 'thumb') return serveImage(url.host, url.pathname);
    return new Response('Not found', { status: 404 });
  });
  ipcMain.handle(IPC_CALL, async (e, method: unknown, params: unknown): Promise<ApiResponse> => {
    if (!trusted(e)) return { ok: false, error: { code: 'forbidden', message: 'This window may not use the API' } };
    if (typeof method !== 'string') return { ok: false, error: { code: 'invalid_params', message: 'The method must be a name' } };
    return backend!.call(method, params);
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}, (err: unknown) => {
  console.error(err);
  app.quit();
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  backend?.stop();
});
