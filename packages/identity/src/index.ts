export * from "./spki.js";
