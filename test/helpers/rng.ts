// Tests use the library's own seeded generator.
export { Rng } from '../../src/nn/random.js';
