import { writeFileSync } from 'node:fs';
import { buildApiReports, reportPath } from './api-report.js';

for (const [name, text] of buildApiReports()) {
  writeFileSync(reportPath(name), text);
  console.log(`wrote ${reportPath(name)}`);
}
