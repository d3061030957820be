// Package witnesstest runs a real S3-compatible server for tests: the
// versitygw gateway on its posix backend, with versioning and Object Lock,
// on a loopback port in the test's temporary directory. The binary is not a
// dependency of the rolegate module; .ci/run installs it, and tests skip
// when it is missing unless ROLEGATE_REQUIRE_TOOLS=1.
package witnesstest
