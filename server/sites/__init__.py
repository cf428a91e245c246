"""Sites (项目) → buildings (楼栋) → units (房号), and which users belong to which site."""
