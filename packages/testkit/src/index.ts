export {
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type RecordedRequest,
} from "./server";
export { FaultQueue, type Fault, type QueuedFault } from "./faults";
export { Flapping, inFailingWindow, parseFlap, type FlapOptions, type FlapState } from "./flap";
export { estimatePromptTokens, IMAGE_TOKENS, MESSAGE_TOKENS } from "./content";
