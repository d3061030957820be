// Package config owns the web server's settings: flags with ROLEGATE_*
// environment fallbacks, defaults derived from the database path, and
// validation whose messages name the setting at fault.
package config
