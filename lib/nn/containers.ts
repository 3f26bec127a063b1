/** Sequential (a chain) and Residual (y = x + f(x), a skip connection). */
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import { Buffer, checkGrad, checkSameShape, checkTensor, type Tensor } from './tensor.js';

/** Applies its modules in order (PyTorch `nn.Sequential`); children are named "0", "1", .... */
export class Sequential extends Module {
  /** The modules, in order. */
  readonly layers: readonly Module[];

  /**
   * @param layers the modules to chain; each output must fit the next module's input.
   * @throws {TypeError} an argument that is not a Module.
   */
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) invalidArg(`Sequential layers[${i}]`, 'a Module', m);
      this.addModule(String(i), m);
    });
    this.layers = layers;
  }

  override toString(): string {
    return `Sequential(${this.layers.map(String).join(', ')})`;
  }

  /**
   * Runs each layer's forward in order.
   * @param x the first layer's input.
   * @returns the last layer's output (x itself when there are no layers).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.layers) h = m.forward(h);
    return h;
  }

  /**
   * Backpropagates through the layers in reverse.
   * @param gradOut ∂loss/∂(last layer's output).
   * @returns ∂loss/∂x.
   */
  backward(gradOut: Tensor): Tensor {
    let g = gradOut;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g);
    return g;
  }
}

/**
 * y = x + f(x) (He et al. 2016, a skip connection); f must keep the shape. Backward:
 * ∂L/∂x = gradOut + f.backward(gradOut), so the gradient always has a path around f.
 */
export class Residual extends Module {
  /** The wrapped branch f (child "fn"). */
  readonly fn: Module;
  private shape: readonly number[] | null = null;
  private readonly y = new Buffer();
  private readonly gx = new Buffer();

  /**
   * @param fn the branch f; its output must have its input's shape.
   * @throws {TypeError} fn is not a Module.
   */
  constructor(fn: Module) {
    super();
    this.fn = this.addModule('fn', fn);
  }

  override toString(): string {
    return `Residual(${this.fn})`;
  }

  /**
   * y = x + f(x).
   * @param x f's input.
   * @returns y, x's shape.
   * @throws {TypeError|RangeError} x is not a valid Tensor, or f changes the shape.
   */
  forward(x: Tensor): Tensor {
    checkTensor(this.where('forward', 'x'), x);
    const fx = this.fn.forward(x);
    checkSameShape(`${this.toString()}.forward: the output of ${this.fn}`, fx.shape, x.shape);
    const y = this.y.get(x.data.length);
    const a = x.data, b = fx.data;
    for (let i = 0; i < y.length; i++) y[i] = a[i] + b[i];
    this.shape = x.shape;
    return { data: y, shape: x.shape };
  }

  /**
   * ∂L/∂x = gradOut + f.backward(gradOut).
   * @param gradOut ∂loss/∂y, x's shape.
   * @returns ∂loss/∂x.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const shape = this.shape ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, shape);
    const gf = this.fn.backward(gradOut).data;
    const gx = this.gx.get(gf.length);
    const g = gradOut.data;
    for (let i = 0; i < gx.length; i++) gx[i] = g[i] + gf[i];
    return { data: gx, shape };
  }
}
