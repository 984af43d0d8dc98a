package sys

const semidDsSize = 104
