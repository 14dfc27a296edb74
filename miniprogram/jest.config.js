/** Page and component tests: miniprogram-simulate in jsdom, against a real qiyou server. */
module.exports = {
  testEnvironment: 'jsdom',
  // `ws` and `graphql-ws` must load their node builds, not the browser ones.
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', 'require', 'default'] },
  testMatch: ['<rootDir>/test/**/*.test.js'],
  testTimeout: 90000,
  maxWorkers: 1,
}
