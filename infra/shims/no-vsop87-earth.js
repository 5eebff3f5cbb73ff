// Bundled in place of astronomia's VSOP87 earth series (~100 KB), which date-holidays-parser needs
// only for equinox/solstice holidays. No AU-QLD, GB-ENG or FR holiday is one (test/rules/calendar
// proves the bundled calendar agrees with the full library); should one ever be, this fails loudly.
const fields = { name: 'earth', type: 'B' };
export default new Proxy(fields, {
  get(target, property) {
    if (property in target) return target[property];
    throw new Error('Equinox/solstice holidays are not bundled into PortDesk Lambdas (see infra/bundling.ts)');
  },
});
