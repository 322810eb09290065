rule { id = "fine", pass = "full", title = "fine", when = function() return true end }
