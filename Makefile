# EventShop: the one entry point. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/.tools/bin:$(PATH)

# Image names come from here; the defaults are the official images. `make images-local` builds
# local stand-ins where no image registry is reachable (see infra/images/).
export MONGO_IMAGE ?= mongo:8
export RABBITMQ_IMAGE ?= rabbitmq:4-management
export SMTP_IMAGE ?= axllent/mailpit
export NODE_BASE_IMAGE ?= node:24-bookworm-slim

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-20s\033[0m %s\n", $$1, $$2}'

.PHONY: toolchain
toolchain: ## install Node 24, FerretDB, Mailpit, Verdaccio and Debian packages where missing
	@bash scripts/toolchain.sh

.PHONY: infra-up infra-down infra-status
infra-up: toolchain ## start RabbitMQ, FerretDB, the local npm registry and an SMTP sink; print env lines
	@bash scripts/infra.sh up
infra-down: ## stop the local infrastructure; no process is left behind
	@bash scripts/infra.sh down
infra-status: ## say what of the local infrastructure runs
	@bash scripts/infra.sh status

.PHONY: publish
publish: infra-up ## build and publish @eventshop/events-contracts and service-kit to the local registry
	@bash scripts/packages.sh publish

.PHONY: lint
lint: toolchain ## ESLint and Prettier over the whole tree
	@npm ci --no-audit --no-fund --loglevel=error && npm run --silent lint

.PHONY: test
test: infra-up ## lint, type-check, build and test every package (publishes the shared packages first)
	@bash scripts/packages.sh test
