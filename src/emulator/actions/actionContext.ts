/** What every action handler gets, and what it returns: the response fields besides RequestId. */
import type { EmulatorStore } from "../emulatorStore.ts";
import type { ParamReader } from "../paramReader.ts";
import type { WireObject } from "../responseRenderer.ts";

interface ActionContext {
  store: EmulatorStore;
  params: ParamReader;
  /** Emulated now (ms); the store has been synced to it. */
  now: number;
}

/** Throws `ApiError` for every rejection; returns the action's fields on success. */
export type ActionHandler = (context: ActionContext) => WireObject;
