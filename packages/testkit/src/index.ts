export {
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type RecordedRequest,
} from "./server";
export { FaultQueue, type Fault, type QueuedFault } from "./faults";
export { estimatePromptTokens, IMAGE_TOKENS, MESSAGE_TOKENS } from "./content";
