// Package watch is trailql's daemon loop: it reads log objects from sources
// (package source), evaluates them with the live driver (detect.Live), and
// commits, per object, in one state transaction (package state): that the
// object is done, the engine's changed state and the alerts it raised or
// updated. Sinks (package sink) deliver the alerts from the state's outbox.
// After a crash, even kill -9, the daemon resumes from the last commit: no
// alert is lost and no alert version is delivered twice.
//
// cmd/trailql only parses flags and wires the pieces into a Config.
package watch
