//go:build linux

// Package netnsx runs code inside a network namespace, for what has no
// namespace-aware API: /proc/sys reads, starting a program (a child forks
// from the calling thread and inherits its namespace), creating a socket.
package netnsx

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// Do runs fn on an OS thread switched into the namespace at path. If
// switching back fails the thread stays locked, so the Go runtime discards
// it instead of reusing a thread in the wrong namespace.
func Do(path string, fn func() error) error {
	target, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("open namespace %s: %w", path, err)
	}
	defer target.Close()
	return DoAt(target, path, fn)
}

// DoAt is Do for a namespace already open; path names it in errors.
func DoAt(target netns.NsHandle, path string, fn func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("open own namespace: %w", err)
	}
	defer orig.Close()
	if err := netns.Set(target); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter namespace %s: %w", path, err)
	}
	fnErr := fn()
	if err := netns.Set(orig); err != nil {
		return errors.Join(fnErr, fmt.Errorf("return from namespace %s: %w", path, err))
	}
	runtime.UnlockOSThread()
	return fnErr
}
