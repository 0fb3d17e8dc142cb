module github.com/acme/service

go 1.26
