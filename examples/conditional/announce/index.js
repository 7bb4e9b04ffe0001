const { input, send } = require('./lp.js');

const message = `the ${input.branch} branch made ${input.result}`;
console.log(message);
send({ message });
