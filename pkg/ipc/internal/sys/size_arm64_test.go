package sys

const semidDsSize = 88
