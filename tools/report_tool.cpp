// roar-seccomp-report: placeholder until the printer lands.
int main() { return 0; }
