package main

import (
	"context"

	"rolegate/handlers"
)

func (w *wiring) inventory(ctx context.Context, o *handlers.Options) error { return nil }
