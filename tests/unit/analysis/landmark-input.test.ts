import { describe, expect, it } from 'vitest';
import { landmarkBatch } from '../../../src-main/core/analysis/landmark-input.js';
import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';

// The landmark net's input made in JavaScript must be face-api's own (extractFaceTensors, then
// toBatchTensor(112, true)): boxes wide, tall, square, and cut by each border of the photo.
describe('landmarkBatch', () => {
  it("gives face-api's TF.js input, within float rounding", async () => {
    const { tf, faceapi } = await loadMlRuntime();
    const [width, height] = [203, 157];
    const data = new Uint8Array(width * height * 3);
    let seed = 7;
    for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    const img = { width, height, data };
    const boxes = [
      { x: 10.6, y: 20.2, width: 80.9, height: 50.3 },
      { x: 150.2, y: 3.7, width: 30.1, height: 90.8 },
      { x: -12.5, y: -8.1, width: 60, height: 60 },
      { x: 170, y: 120, width: 70, height: 55 },
      { x: 40, y: 40, width: 112, height: 112 },
    ];
    const ours = landmarkBatch(img, boxes, 112);
    const input = tf.tensor3d(data, [height, width, 3], 'int32');
    const crops = await faceapi.extractFaceTensors(input as never, boxes.map((b) => new faceapi.Rect(b.x, b.y, b.width, b.height)));
    const netInput = await faceapi.toNetInput(crops as never);
    const theirs = tf.tidy(() => tf.cast(netInput.toBatchTensor(112, true) as unknown as import('@tensorflow/tfjs').Tensor, 'float32').dataSync());
    input.dispose();
    for (const c of crops) (c as unknown as { dispose(): void }).dispose();
    expect(ours.x.length).toBe(theirs.length);
    let worst = 0;
    for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours.x[i]! - theirs[i]!));
    // TF.js interpolates in float32, this in float64: a few thousandths of a level out of 255.
    expect(worst).toBeLessThan(0.01);
    expect(ours.crops.map((c) => [c.width, c.height])).toEqual(boxes.map((_, i) => [netInput.getInputWidth(i), netInput.getInputHeight(i)]));
  });
});
