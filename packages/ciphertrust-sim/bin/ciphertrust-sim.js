#!/usr/bin/env node
import { main } from "../dist/cli/ciphertrust-sim.js";

main(process.argv.slice(2));
