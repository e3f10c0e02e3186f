#!/usr/bin/env node
import { nodeHost } from '../host.js';
import { runCli } from './run-cli.js';

const { exitCode } = await runCli(process.argv.slice(2), nodeHost());
process.exitCode = exitCode;
