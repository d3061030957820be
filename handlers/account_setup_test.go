package handlers_test

import "rolegate/internal/account"

// accountTest is the app's AWS accounts service, for tests that look at
// what the admin pages stored.
type accountTest struct {
	accounts *account.Service
}
