// Vitest setup file (vitest.config.ts setupFiles): loads every API's codec before each test file,
// so tests may call the synchronous encoders and decoders for any API. The broker itself loads a
// codec when the first request of its API arrives (src/codec/api-codecs.ts); test/codec/lazy-load
// covers that path in a fresh process.
import { loadAllApiCodecs } from '../src/codec/index.js';

await loadAllApiCodecs();
