# what changes from run to run in the walkthrough's transcript (tests/cli/test_guide.sh)
s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/YYYY-MM-DDTHH:MM:SSZ/g
s#/[^ ]*/ts-guide\.[A-Za-z0-9]*/#/…/#g
s/in [0-9.]* s ([0-9]* threads\{0,1\}; rules [0-9]* persons\/s per core)/in N s (T threads; rules N persons\/s per core)/g
