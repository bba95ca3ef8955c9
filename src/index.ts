/** qedisk's browser entry point: the engine, the in-memory backend and the page API. */
export * from './engine/index.ts';
export { MemoryFile } from './backends/memory-file.ts';
export * from './client/index.ts';
export * from './v86/index.ts';
