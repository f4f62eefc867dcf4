// The page's script: loads the compiled model through its generated loader, runs it on an 8x8
// image and shows the class probabilities. No bundler: model.mjs is a plain ES module.
import { createModel } from './out/model.mjs';
import { SIDE, startImage } from './image.mjs';

const canvas = document.getElementById('image');
const result = document.getElementById('result');
const predicted = document.getElementById('predicted');
const status = document.getElementById('status');

function draw(img) {
  const ctx = canvas.getContext('2d');
  const cell = canvas.width / SIDE;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = Math.round(255 * (1 - img[y * SIDE + x]));
      ctx.fillStyle = `rgb(${v},${v},${v})`;
      ctx.fillRect(x * cell, y * cell, cell, cell);
    }
  }
}

function show(probs, ms) {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  result.replaceChildren(...Array.from(probs, (p, i) => {
    const li = document.createElement('li');
    li.dataset.value = String(p);           // full precision, for scripts reading the page
    if (i === best) li.className = 'top';
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    li.append(`class ${i}`, Object.assign(document.createElement('span'), { textContent: p.toFixed(5) }), bar);
    return li;
  }));
  predicted.textContent = `predicted class: ${best}`;
  status.textContent = `ran in ${ms.toFixed(2)} ms`;
  result.dataset.status = 'done';
}

try {
  const model = await createModel();
  const input = model.inputs[0], output = model.outputs[0];
  const img = startImage();
  const runOnce = () => {
    draw(img);
    const t0 = performance.now();
    const out = model.run({ [input.name]: img });
    show(out[output.name], performance.now() - t0);
  };
  canvas.addEventListener('click', (e) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) / r.width) * SIDE), y = Math.floor(((e.clientY - r.top) / r.height) * SIDE);
    if (x < 0 || y < 0 || x >= SIDE || y >= SIDE) return;
    img[y * SIDE + x] = img[y * SIDE + x] > 0.5 ? 0 : 1;
    runOnce();
  });
  runOnce();
} catch (e) {
  status.textContent = `could not run the model: ${e.message}`;
  status.className = 'error';
  result.dataset.status = 'error';
}
