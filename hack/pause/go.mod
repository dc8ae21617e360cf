module k8sclaw.dev/pause

go 1.26
