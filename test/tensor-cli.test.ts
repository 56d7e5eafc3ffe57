/** `vbt gradcheck` and `vbt backend`, run through the CLI program as a user would. */
import { describe, it, expect } from 'vitest';
import { vbt as cli } from './cli-helpers.js';

describe('vbt gradcheck / vbt backend', () => {
  it('prints the autodiff gradient, the float64 finite difference and rel_err for a model parameter', async () => {
    const out = await cli('gradcheck', '--model', 'Generic2dOscillator', '--param', 'a', '--steps', '1000', '--engine', 'tensor',
      '--nodes', '3', '-k', 'a=0.1', '--backend', 'cpu');
    expect(out).toMatch(/^backend: cpu/);
    const ad = Number(/autodiff_grad=(\S+)/.exec(out)![1]);
    const fd = Number(/fd_grad=(\S+)/.exec(out)![1]);
    const rel = Number(/^rel_err=(\S+)$/m.exec(out)![1]);
    expect(Number.isFinite(ad) && Number.isFinite(fd)).toBe(true);
    expect(Math.abs(fd)).toBeGreaterThan(1e-6);
    expect(rel).toBeCloseTo(Math.abs(ad - fd) / Math.abs(fd), 12);
    expect(rel).toBeLessThan(0.01);
  }, 60000);

  it('per-node index, and clear errors for unknown parameters and bad indices', async () => {
    const out = await cli('gradcheck', '-m', 'Generic2dOscillator', '--param', 'I', '--index', '1', '--steps', '200', '--nodes', '3', '--backend', 'cpu', '--checkpoint', '50');
    expect(Number(/^rel_err=(\S+)$/m.exec(out)![1])).toBeLessThan(0.01);
    await expect(cli('gradcheck', '-m', 'Generic2dOscillator', '--param', 'nope', '--steps', '10', '--backend', 'cpu')).rejects.toThrow(/unknown parameter 'nope'; expected one of: .*coupling\.a.*weights/);
    await expect(cli('gradcheck', '-m', 'Generic2dOscillator', '--param', 'I', '--index', '9', '--steps', '10', '--nodes', '3', '--backend', 'cpu')).rejects.toThrow(/index 9 out of range; expected 0\.\.2 \(node\)/);
    await expect(cli('gradcheck', '-m', 'Generic2dOscillator', '--param', 'a', '--steps', '0')).rejects.toThrow(/--steps: '0'; expected an integer ≥ 1/);
  }, 60000);

  it('Richardson FD with its error; a gradient the FD cannot resolve is said to be so (JansenRit mu), not given a rel_err', async () => {
    const out = await cli('gradcheck', '--model', 'JansenRit', '--param', 'mu', '--engine', 'adjoint', '--backend', 'cpu');
    const fdErr = Number(/fd_grad=\S+ ± (\S+)/.exec(out)![1]);
    const fd = Number(/fd_grad=(\S+)/.exec(out)![1]);
    const ad = Number(/autodiff_grad=(\S+)/.exec(out)![1]);
    expect(fdErr).toBeGreaterThan(0.01 * Math.abs(fd));
    expect(out).toMatch(/^gradient below finite-difference resolution: the FD's estimated error \S+ is [\d.]+ % of \|fd_grad\|, so no relative error is meaningful; autodiff_grad agrees within that error$/m);
    expect(out).not.toMatch(/^rel_err=/m);
    expect(Math.abs(ad - fd)).toBeLessThanOrEqual(2 * fdErr);
  }, 60000);

  it('--engine adjoint with a per-edge parameter (--param weights --index k): float64 gradient, rel_err ≤ 1e-6', async () => {
    const out = await cli('gradcheck', '-m', 'Generic2dOscillator', '--param', 'weights', '--index', '7', '--engine', 'adjoint', '-k', 'a=0.1', '--nodes', '3', '--steps', '500', '--backend', 'cpu');
    expect(out).toMatch(/float64 adjoint/);
    expect(Number(/^rel_err=(\S+)$/m.exec(out)![1])).toBeLessThan(1e-6);
    await expect(cli('gradcheck', '-m', 'Generic2dOscillator', '--param', 'weights', '--index', '9', '--engine', 'adjoint', '--nodes', '3', '--steps', '10', '--backend', 'cpu')).rejects.toThrow(/index 9 out of range; expected 0\.\.8 \(flat weights index i\*N \+ j\)/);
  }, 60000);

  it('vbt backend reports the loaded backend and why others did not load', async () => {
    const out = await cli('backend', '--use', 'wasm');
    expect(out).toMatch(/^backend: wasm \(tfjs 'wasm', @tensorflow\/tfjs-backend-wasm; chosen argument\)/);
  });
});
