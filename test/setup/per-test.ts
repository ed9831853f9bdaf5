// Runs in every test file (vitest setupFiles): the one place that tears down the fake Clerks tests
// start on loopback. Its afterEach runs after the files' own (hooks run in reverse order of
// registration), so a file's MCP connections close before the fake Clerk they talk to.
import { afterEach, beforeEach } from 'vitest';
import { closeFakeClerks, testStarts } from '../helpers/fake-clerk.js';

beforeEach(testStarts);
afterEach(closeFakeClerks);
