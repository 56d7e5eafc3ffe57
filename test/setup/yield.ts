/**
 * Many tests are synchronous number crunching. Chained back to back they would keep a worker's event
 * loop from reading vitest's RPC replies for over a minute (the adjoint table runs ~60 s here), and
 * vitest then reports "Timeout calling onTaskUpdate" although every test passed. One macrotask turn
 * before each test lets those replies in.
 */
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
