package main

import (
	"context"

	"rolegate/handlers"
)

func (w *wiring) changes(ctx context.Context, o *handlers.Options) error { return nil }
