# Shorthands for the commands the README shows; each is one line of shell.
.PHONY: dev test ci cluster-up cluster-down cluster-status cluster-test

dev: ## computor dev: Temporal on SQLite, Web UI, API and a worker in one process
	GOTOOLCHAIN=local go run ./cmd/computor dev

test: ## every test but the production topology
	scripts/test.sh

ci: ## what CI runs
	.ci/run

cluster-up: ## the production topology on this machine (scripts/cluster.sh)
	scripts/cluster.sh up

cluster-down:
	scripts/cluster.sh down

cluster-status:
	scripts/cluster.sh status

cluster-test: ## kill workers and the Temporal server under 300 tasks on that topology
	GOTOOLCHAIN=local go test -tags cluster -count=1 -v -timeout 20m ./test/cluster/
