#!/usr/bin/env node
import { main } from "../dist/cli/ksctl.js";

main(process.argv.slice(2));
