// One user action at a time: `busy` while it runs, its `error` (as an IpcError) if it failed.
import { asIpcError, type IpcError } from '../api';

export class Task {
  busy = $state(false);
  error = $state<IpcError | null>(null);

  /** Runs `action`; resolves to its result, or `undefined` after recording the error. */
  async run<T>(action: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = null;
    try {
      return await action();
    } catch (e) {
      this.error = asIpcError(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}
