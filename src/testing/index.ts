/**
 * `patchbay/testing`: test doubles for integration tests — an in-memory
 * source and a collecting sink. Real connectors are tested against real
 * servers; these are for testing your own steps and wiring.
 */
export { memorySource, type MemoryBatches } from './memory-source.js';
export { collectingSink, type CollectingSink } from './collecting-sink.js';
