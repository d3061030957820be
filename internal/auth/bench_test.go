package auth

import "testing"

// BenchmarkPasswordFailure compares the work of a wrong password with that
// of an unknown user (BurnPasswordTime): each must be one argon2id
// verification, so that timing does not tell which usernames exist.
func BenchmarkPasswordFailure(b *testing.B) {
	hash, err := HashPassword("the real password of someone")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("WrongPassword", func(b *testing.B) {
		for b.Loop() {
			if VerifyPassword(hash, "not the password at all") {
				b.Fatal("verified")
			}
		}
	})
	b.Run("UnknownUser", func(b *testing.B) {
		for b.Loop() {
			BurnPasswordTime("not the password at all")
		}
	})
}
