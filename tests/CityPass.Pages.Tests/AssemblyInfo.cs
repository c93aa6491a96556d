// One Chromium at a time: the machines have two cores, and each test class starts its own server.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
