#!/usr/bin/env node
// The gradguard command: `gradguard report run.jsonl [-o report.html]` charts a run from the JSON
// lines a GradientMonitor wrote (lib/monitor/report-cli.ts does the work, from the built package).
import { monitor } from '../dist/index.js';

process.exitCode = await monitor.reportCli(process.argv.slice(2));
