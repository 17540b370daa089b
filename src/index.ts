// Public entry point of the tributary package.
export {};
