# The two commands of the README. Everything else is in infra/local/stack.sh.
.PHONY: run test setup bench package

## Start the whole system on http://127.0.0.1:8080 (PORT to change it); Ctrl-C stops it.
run:
	@infra/local/stack.sh run

## Every check and test: fmt, clippy, unit, property, store over moto, HTTP end to end.
test:
	@infra/local/stack.sh test

## Install what the two commands need (done by both anyway).
setup:
	@infra/local/stack.sh setup

## Benchmarks (release builds); figures go to docs/PERFORMANCE.md by hand.
bench:
	@infra/local/stack.sh bench

## Every Lambda function built for arm64 (cargo-lambda), zipped where the SAM template expects it.
package:
	@infra/local/stack.sh package
