const { input, send } = require('./lp.js');

const name = input.name ?? 'world';
console.log(`saying hello to ${name}`);
send({ greeting: `Hello, ${name}!` });
