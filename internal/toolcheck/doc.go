// Package toolcheck serves the test suites that need a program Go does not
// bring: chromium for the browser tests, the AWS CLI and boto3 for the
// simulator's client tests. When the program is missing the tests skip, and
// the suite says so in one line that go test shows even for a package that
// passes (go test hides a passing package's output unless -v); with
// ROLEGATE_REQUIRE_TOOLS=1, as in CI, they fail instead.
//
// Only tests import it.
package toolcheck
