const { input, send } = require('./lp.js');

const n = typeof input.n === 'number' ? input.n : 42;
const size = n >= 10 ? 'big' : 'small';
console.log(`${n} is ${size}`);
send({ n, size });
