// A config whose default export is not defineProject({...}).
export default { integrations: [] };
