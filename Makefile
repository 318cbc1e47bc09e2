# EventShop: the one entry point. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/.tools/bin:$(PATH)

# The container engine: the project's podman (scripts/podman.sh), or Docker when DOCKER_HOST
# points elsewhere or /var/run/docker.sock exists.
CONTAINER_ENGINE := $(shell bash scripts/podman.sh engine)

# Image names come from here; a name set in the environment or on the command line wins. With
# Docker the defaults are the official images; with the project's podman, which reaches no image
# registry, the local stand-ins that `make images-local` builds (infra/images/local.env).
ifeq ($(CONTAINER_ENGINE),podman)
$(foreach line,$(shell grep -E '^[A-Z_]+=' infra/images/local.env),$(eval export $(subst =, ?= ,$(line))))
TEST_IMAGES := images-local
endif
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

.PHONY: images-local
images-local: toolchain ## build local images (Debian base, node, rabbitmq, ferretdb, mailpit); FORCE=1 rebuilds
	@bash scripts/images.sh build

.PHONY: publish
publish: infra-up ## build and publish @eventshop/events-contracts and service-kit to the local registry
	@bash scripts/packages.sh publish

.PHONY: lint
lint: toolchain ## ESLint and Prettier over the whole tree
	@npm ci --no-audit --no-fund --loglevel=error && npm run --silent lint

.PHONY: test
test: infra-up $(TEST_IMAGES) ## lint, type-check, build and test every package (publishes the shared packages first)
	@bash scripts/packages.sh test

.PHONY: chaos
chaos: infra-up ## fault suite, production shape: two pods per service, ~1,000 orders, kills, broker and database outages (one of 95 s) overlapping, a 10x burst, duplicates, poison; prints the fault timeline and the invariants
	@bash scripts/chaos.sh

.PHONY: observability-check
observability-check: toolchain ## dashboards and alert rules against a real Prometheus scraping `make up`'s system; a fault step; PNG charts of the run
	@bash scripts/observability-check.sh

.PHONY: chart-check
chart-check: ## Helm chart and skaffold.yaml: lint, render, validate, policy checks, install into a local kube-apiserver
	@bash scripts/chart-check.sh

.PHONY: up down logs token front-door-check
up: toolchain ## start the infrastructure and the three services, seed a demo catalog; prints what to do next
	@bash scripts/system.sh up
front-door-check: ## run the commands `make up` prints (scripts/try-it.sh, also in the README) and check what each prints
	@node scripts/front-door-check.mjs
down: ## stop the services, then the infrastructure (KEEP_INFRA=1 stops the services only)
	@bash scripts/system.sh down
logs: ## follow the services' logs
	@bash scripts/system.sh logs
ROLES ?=
token: ## a development JWT for `make up`'s services: make token USER=alice [ROLES=admin] [EMAIL=a@b.c]
	@node scripts/dev-token.mjs --user "$(USER)" --roles "$(ROLES)" $(if $(EMAIL),--email "$(EMAIL)")

.PHONY: images images-smoke
images: infra-up $(TEST_IMAGES) ## build the three service images (eventshop/<service>:<version>) and print their sizes
	@bash scripts/service-images.sh build
images-smoke: infra-up ## run each service image as Kubernetes does (non-root, read-only, no capabilities): ready, SIGTERM exits 0
	@bash scripts/service-images.sh smoke

.PHONY: bench
bench: infra-up ## benchmark POST /orders and the saga against three baselines; results in bench/results (about 14 min; BENCH_STEPS, BENCH_DURATION)
	@bash bench/run.sh

.PHONY: cluster-up cluster-down cluster-status cluster-check cluster-skaffold
cluster-up: ## a single-node Kubernetes cluster on this machine, built once (root); KUBECONFIG=.local/cluster/kubeconfig
	@bash scripts/cluster.sh up
cluster-down: ## stop the local cluster, remove its pods, network and data (binaries and images stay)
	@bash scripts/cluster.sh down
cluster-status: ## the local cluster's processes and node
	@bash scripts/cluster.sh status
cluster-check: ## the charts on the local cluster: Traefik, operators, app, all available, helm test through the ingress + e-mail, disruption, CRs, uninstall
	@bash scripts/cluster.sh check

cluster-skaffold: ## skaffold run -p local on the local cluster (skaffold and its Helm 3 built once; the cluster prepared first)
	@bash scripts/cluster.sh skaffold