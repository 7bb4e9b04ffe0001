const { input, send } = require('./lp.js');

const lines = input.top.map((t, i) => `${i + 1}. ${t.word} (${t.count})`);
const report = `${input.title}: ${input.total} words; top: ${lines.join(', ')}`;
console.log(report);
send({ report, total: input.total });
