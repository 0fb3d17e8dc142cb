// Package fakeaws is a scenario-driven fake of the slice of Amazon ECS and
// Elastic Load Balancing v2 that the deploy engine uses.
//
// It is one http.Handler that speaks both wire protocols the real services
// speak: ECS JSON 1.1 (POST with X-Amz-Target) and ELBv2 Query (form POST with
// Action=...&Version=2015-12-01, XML answers). Real aws-sdk-go-v2 clients
// (BaseEndpoint = server URL) and the AWS CLI (--endpoint-url) both talk to it,
// so a test exercises the same serialisation, retries and error decoding that
// production does.
//
// A Fake starts in a steady state (the service runs revision 1 with healthy
// tasks). The UpdateService call that starts a deployment also starts the
// Scenario's timeline: each Step happens At a real-time offset from that call.
// Steps are applied lazily, under a mutex, by the next request (or accessor)
// that arrives after their time, so the fake needs no goroutine and a test's
// clock is the wall clock. Timestamps in the state are the steps' scheduled
// times, not the times they were noticed.
//
// A cluster can hold several services (Config.MoreServices), as a deploy that updates a web
// service and its worker together needs: each has its own family, container, tasks, events,
// service deployments and Scenario, whose timeline starts at that service's own first
// deployment-creating UpdateService. A service without a load balancer (a worker) is in no
// target group, and the steps that concern targets do nothing to it. DescribeServices answers
// for several services in one request, ListTasks filters by service; faults and throttling stay
// the cluster's, as AWS's are the account's. The accessors without a service name
// (UpdateServiceRequests, FinalStateAt...) mean the main service (Config.Service); their ...Of
// forms take a name.
//
// One-off tasks (RunTask, a deploy's migration) live outside the services: DescribeTasks and
// StopTask know them, ListTasks of a service does not. They are the main service's: their
// container is its, and Config.Migration says how they end and what they log; CloudWatch Logs
// GetLogEvents (JSON 1.1, X-Amz-Target Logs_20140328.*) serves their lines from the awslogs
// stream of its revision 1's logConfiguration.
package fakeaws
