// The one object the window gets: `window.facepair`, two functions over IPC. No Node, no raw
// ipcRenderer. (A sandboxed preload is CommonJS, hence .cts.)
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiResponse, FacePairBridge } from '../core/contract/api.js';

const bridge: FacePairBridge = {
  call: (method: string, params: unknown): Promise<ApiResponse> => ipcRenderer.invoke('facepair:call', method, params),
  onEvent(listener: (event: ApiEvent) => void): () => void {
    const handler = (_e: IpcRendererEvent, event: ApiEvent): void => listener(event);
    ipcRenderer.on('facepair:event', handler);
    return () => {
      ipcRenderer.removeListener('facepair:event', handler);
    };
  },
};

contextBridge.exposeInMainWorld('facepair', bridge);
